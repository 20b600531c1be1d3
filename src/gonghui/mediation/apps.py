from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "gonghui.mediation"
    label = "mediation"
    verbose_name = "劳动争议调解"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext as _

        from gonghui.core import merges
        from gonghui.mediation import clocks, navigation, scoping  # noqa: F401 - clock recomputer, console, scoping
        from gonghui.mediation.models import Case, Party
        from gonghui.mediation.services import attach_party_link
        from gonghui.orgs import identity

        def open_case(person: object) -> str:
            open_ = Party.objects.filter(person=person, case__state__in=Case.OPEN).exists()
            return _("有进行中的劳动争议调解案件") if open_ else ""

        identity.register_hold(open_case)
        identity.register_link_handler("mediation.party", attach_party_link)
        claims = ("mediation.Party.person", "mediation.Negotiation.person")  # the cases a person is party to
        merges.register_person_holder("mediation", claims=claims, move=merges.reassign(*claims))
