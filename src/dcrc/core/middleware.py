"""Attach the dealer the user is working for to each request (chosen in the navbar)."""

SESSION_KEY = "dcrc_dealer_id"


def _current_dealer(request):
    from .selectors import dealers_for_user

    user = request.user
    if not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    if chosen == "all":
        return None
    dealers = dealers_for_user(user)
    if chosen is not None:
        dealer = dealers.filter(pk=chosen).first()
        if dealer is not None:
            return dealer
    return dealers.first()


class CurrentDealerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # None when the user chose "all my dealers" or is not logged in.
        request.dealer = _current_dealer(request)
        return self.get_response(request)
