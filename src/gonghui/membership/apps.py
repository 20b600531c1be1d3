from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "gonghui.membership"
    label = "membership"
    verbose_name = "会员管理"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gonghui.core import merges
        from gonghui.membership import navigation, scoping  # noqa: F401 - console section, scoping policies
        from gonghui.membership.services import apply_due_rebinds
        from gonghui.orgs import identity

        identity.register_due_applier(lambda digest: apply_due_rebinds(phone_hash=digest))
        # Memberships (one open membership a person: two refuse the merge), join requests, rebinds, corrections.
        claims = ("membership.Membership.person", "membership.JoinApplication.person",
                  "membership.PhoneRebind.person", "membership.CorrectionRequest.person")
        merges.register_person_holder("membership", claims=claims, move=merges.reassign(*claims))
