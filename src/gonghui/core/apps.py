from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gonghui.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Every process (web, worker, command) counts its writes for the page cache, from its first connection.
        from django.db.models.signals import post_delete, post_save

        from gonghui.core import ledger, merges, navigation, pagecache  # noqa: F401 - the console's calendar entry
        from gonghui.core.deadlines import forget_calendar
        from gonghui.core.models import CalendarDay, CalendarYear

        # What a request remembered of the calendar is dropped when the calendar is written (core.deadlines).
        for model in (CalendarDay, CalendarYear):
            post_save.connect(forget_calendar, sender=model, dispatch_uid=f"forget_calendar_save_{model.__name__}")
            post_delete.connect(forget_calendar, sender=model, dispatch_uid=f"forget_calendar_delete_{model.__name__}")

        # The ledger's entries keep the payee they were paid to (append-only); what was paid to a person is looked
        # up across the files merged into it. The accounts the union verified on the duplicate are the kept file's too.
        merges.register_person_holder("core", claims=(), kept=("core.PaymentEntry.payee_person",),
                                      move=ledger.carry_verified_accounts)
