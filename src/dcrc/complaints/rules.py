"""Who may do what with complaints and the improvement loop (django-rules).

Tenancy is separate (tenancy.py); manufacturer staff see only escalated complaints
(ComplaintQuerySet.visible_to).
"""

import rules

from dcrc.core.choices import Role
from dcrc.core.rules import _role_in

# Owners of complaints (domain §6): the CR manager, the service manager, service advisors;
# the general manager may step in.
HANDLER_ROLES = {
    Role.CR_MANAGER,
    Role.SERVICE_MANAGER,
    Role.SERVICE_ADVISOR,
    Role.GENERAL_MANAGER,
}
# Anyone who meets customers may take a complaint down.
INTAKE_ROLES = {*HANDLER_ROLES, Role.DCRC_AGENT, Role.SALES_CONSULTANT}
MANUFACTURER_ROLES = {Role.REGIONAL_MANAGER, Role.MANUFACTURER_CRC}
VIEW_ROLES = {*INTAKE_ROLES, Role.GROUP_MANAGER, *MANUFACTURER_ROLES}
# The weekly meeting and satisfaction surveys are run by the DCRC.
IMPROVEMENT_ROLES = {Role.CR_MANAGER, Role.GENERAL_MANAGER, Role.SERVICE_MANAGER}
FIGURES_ROLES = {
    Role.CR_MANAGER,
    Role.SERVICE_MANAGER,
    Role.GENERAL_MANAGER,
    Role.GROUP_MANAGER,
    *MANUFACTURER_ROLES,
}
CONFIGURE_ROLES = {Role.CR_MANAGER, Role.GENERAL_MANAGER}

can_view = _role_in(VIEW_ROLES)
can_register = _role_in(INTAKE_ROLES)
can_handle = _role_in(HANDLER_ROLES)
can_escalate = _role_in({Role.CR_MANAGER, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER})
can_comment = _role_in({*HANDLER_ROLES, *MANUFACTURER_ROLES})
can_run_improvement = _role_in(IMPROVEMENT_ROLES)
can_view_improvement = _role_in({*IMPROVEMENT_ROLES, Role.GROUP_MANAGER, *MANUFACTURER_ROLES})
can_view_figures = _role_in(FIGURES_ROLES)
can_configure = _role_in(CONFIGURE_ROLES)

# See the complaint list and pages (manufacturer staff: escalated ones only).
rules.add_perm("complaints.view", can_view)
# Take a complaint down from any channel.
rules.add_perm("complaints.register", can_register)
# Move a complaint through its steps, assign it, edit its details.
rules.add_perm("complaints.handle", can_handle)
# Escalate to the manufacturer's CRC or region, request an on-site assessment.
rules.add_perm("complaints.escalate", can_escalate)
# Add a note to a complaint's log (manufacturer staff too, on escalations).
rules.add_perm("complaints.comment", can_comment)
# Weak points, weekly meetings, actions, survey imports.
rules.add_perm("complaints.run_improvement", can_run_improvement)
rules.add_perm("complaints.view_improvement", can_view_improvement)
# The manager dashboard: handlers see what is overdue; managers and the manufacturer too.
rules.add_perm("complaints.view_dashboard", can_handle | can_view_figures)
# Complaint figures and their export.
rules.add_perm("complaints.view_figures", can_view_figures)
# Deadlines, the large-loss amount, notification settings.
rules.add_perm("complaints.configure", can_configure)
