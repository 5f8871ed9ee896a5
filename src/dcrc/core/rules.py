"""Permission predicates by role (django-rules). Tenancy is separate: see tenancy.py."""

import rules

from .choices import Role

# Roles whose daily work is to phone or receive customers: they may reveal full phone numbers.
PHONE_ROLES = {
    Role.DCRC_AGENT,
    Role.CR_MANAGER,
    Role.ARCHIVE_ADMIN,
    Role.SERVICE_ADVISOR,
    Role.SALES_CONSULTANT,
    Role.SERVICE_MANAGER,
    Role.GENERAL_MANAGER,
}
# ID-card numbers are needed only to file and verify the archive.
ID_NUMBER_ROLES = {Role.ARCHIVE_ADMIN, Role.CR_MANAGER}
ARCHIVE_EDIT_ROLES = {
    Role.DCRC_AGENT,
    Role.CR_MANAGER,
    Role.ARCHIVE_ADMIN,
    Role.SERVICE_ADVISOR,
    Role.SALES_CONSULTANT,
    Role.SERVICE_MANAGER,
    Role.GENERAL_MANAGER,
}
ARCHIVE_ADMIN_ROLES = {Role.ARCHIVE_ADMIN, Role.CR_MANAGER, Role.GENERAL_MANAGER}
EXPORT_ROLES = {Role.ARCHIVE_ADMIN, Role.CR_MANAGER, Role.GENERAL_MANAGER, Role.SERVICE_MANAGER}
AUDIT_ROLES = {Role.CR_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_MANAGER}


def _role_in(roles):
    @rules.predicate
    def predicate(user):
        return user.is_superuser or user.role in roles

    return predicate


can_reveal_phone = _role_in(PHONE_ROLES)
can_reveal_id_number = _role_in(ID_NUMBER_ROLES)
can_edit_archive = _role_in(ARCHIVE_EDIT_ROLES)
can_administer_archive = _role_in(ARCHIVE_ADMIN_ROLES)
can_export = _role_in(EXPORT_ROLES)
can_view_audit = _role_in(AUDIT_ROLES)

rules.add_perm("customers.reveal_phone", can_reveal_phone)
rules.add_perm("customers.reveal_id_number", can_reveal_id_number)
rules.add_perm("customers.edit", can_edit_archive)
rules.add_perm("customers.merge", can_administer_archive)
rules.add_perm("customers.import", can_administer_archive)
rules.add_perm("customers.export", can_export)
rules.add_perm("core.view_audit", can_view_audit)
