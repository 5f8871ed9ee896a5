"""Who may do what in the parts warehouse (django-rules). Tenancy is separate."""

import rules

from dcrc.core.choices import Role
from dcrc.core.rules import _role_in

KEEPER_ROLES = {Role.WAREHOUSE_KEEPER, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER}
VIEW_ROLES = {*KEEPER_ROLES, Role.SERVICE_ADVISOR, Role.DISPATCHER, Role.TECHNICIAN}

# See the catalogue and stock (advisors quote from it, the workshop asks what is there).
rules.add_perm("parts.view", _role_in(VIEW_ROLES))
# Receive, issue, return, exchange, reserve, count stock; edit the catalogue.
rules.add_perm("parts.keep", _role_in(KEEPER_ROLES))
