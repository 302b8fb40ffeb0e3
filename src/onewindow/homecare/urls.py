app_name = "homecare"

urlpatterns: list = []
