"""Parts warehouse URLs."""

app_name = "parts"
urlpatterns: list = []
