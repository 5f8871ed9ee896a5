"""Attach the dealer the user is working for to each request (chosen in the navbar)."""

SESSION_KEY = "dcrc_dealer_id"


def _current_dealer(request, dealers):
    chosen = request.session.get(SESSION_KEY)
    if chosen == "all":
        return None
    return next((d for d in dealers if d.pk == chosen), dealers[0] if dealers else None)


class CurrentDealerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .selectors import dealers_visible_to

        # The user's dealers, read once per request; the tenancy filter (user.dealer_ids)
        # reuses them. The current one is None for "all my dealers" or when not logged in.
        request.dealers = list(dealers_visible_to(request.user))
        if request.user.is_authenticated:
            request.user.dealer_ids = frozenset(dealer.pk for dealer in request.dealers)
        request.dealer = _current_dealer(request, request.dealers)
        return self.get_response(request)


class LanguageMiddleware:
    """Chinese unless the user chose English in the menu (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; dealership PCs often
    run English browsers, and the staff still expect the Chinese UI. The API does follow the
    Accept-Language header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        if chosen not in supported and request.path.startswith("/api/"):
            # Machine clients of the API say which language they want in the header.
            chosen = translation.get_language_from_request(request)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
