def dealer(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"current_dealer": request.dealer, "my_dealers": getattr(request, "dealers", [])}
