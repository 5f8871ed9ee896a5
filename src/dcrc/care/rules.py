"""Who may do what in the contact center (django-rules). Tenancy is separate: tenancy.py."""

import rules

from dcrc.core.choices import Role
from dcrc.core.rules import _role_in

MANAGER_ROLES = {Role.CR_MANAGER, Role.GENERAL_MANAGER, Role.SERVICE_MANAGER}
AGENT_ROLES = {Role.DCRC_AGENT, *MANAGER_ROLES}
HOTLINE_ROLES = {Role.DCRC_AGENT, Role.SERVICE_ADVISOR, *MANAGER_ROLES}
KPI_ROLES = {*AGENT_ROLES, Role.GROUP_MANAGER, Role.REGIONAL_MANAGER}
CONFIGURE_ROLES = {Role.CR_MANAGER, Role.GENERAL_MANAGER}

can_work_tasks = _role_in(AGENT_ROLES)
can_manage_tasks = _role_in(MANAGER_ROLES)
can_handle_calls = _role_in(HOTLINE_ROLES)
can_view_kpis = _role_in(KPI_ROLES)
can_configure = _role_in(CONFIGURE_ROLES)

# Work the queue, record attempts, send a task's SMS.
rules.add_perm("care.work_tasks", can_work_tasks)
# Assign and re-balance tasks, see every agent's load, handle flagged follow-ups.
rules.add_perm("care.manage_tasks", can_manage_tasks)
# Register and reply to hotline calls and voicemails; listen to recordings.
rules.add_perm("care.handle_calls", can_handle_calls)
# Send an SMS to a customer outside a task.
rules.add_perm("care.send_sms", can_work_tasks)
# The KPI page: agents see their own figures, managers every agent's.
rules.add_perm("care.view_kpis", can_view_kpis)
# Contact rules, call windows, holidays, SMS templates, campaigns.
rules.add_perm("care.configure", can_configure)
