from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "gonghui.orgs"
    label = "orgs"
    verbose_name = "组织与账号"

    def ready(self) -> None:
        from gonghui.core import merges
        from gonghui.orgs import exports, imports, signals  # noqa: F401 - register handlers
        from gonghui.orgs.services import move_person_records

        merges.register_person_holder("orgs", move=move_person_records, claims=(
            "orgs.Consent.person", "orgs.GuardianConsent.person", "orgs.IdentityVerification.person",
            "orgs.PersonLink.person", "orgs.Person.merged_into"))
