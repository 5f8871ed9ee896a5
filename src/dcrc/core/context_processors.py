def dealer(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from .selectors import dealers_for_user

    return {
        "current_dealer": request.dealer or None,
        "my_dealers": dealers_for_user(request.user),
    }
