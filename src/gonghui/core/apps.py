from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gonghui.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Every process (web, worker, command) counts its writes for the page cache, from its first connection.
        from gonghui.core import pagecache  # noqa: F401
