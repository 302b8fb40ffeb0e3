from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "onewindow.accounts"
    label = "accounts"
    verbose_name = "人员、机构与权限"

    def ready(self) -> None:
        from . import checks, nav, tasks  # noqa: F401  (system checks, periodic jobs, navigation)

        nav.register()  # its links in the navigation by role
