"""Who may do what in after-sales operations (django-rules). Tenancy is separate."""

import rules

from dcrc.core.choices import Role
from dcrc.core.rules import _role_in

MANAGERS = {Role.SERVICE_MANAGER, Role.GENERAL_MANAGER}
# Everyone of the dealer's after-sales side sees appointments, orders and the kanban.
VIEW_ROLES = {
    *MANAGERS,
    Role.SERVICE_ADVISOR,
    Role.DISPATCHER,
    Role.TECHNICIAN,
    Role.QC_INSPECTOR,
    Role.WAREHOUSE_KEEPER,
    Role.CASHIER,
    Role.CR_MANAGER,
    Role.DCRC_AGENT,
}
# Reception (接车): open orders, write lines, take the customer's confirmation, release.
RECEPTION_ROLES = {*MANAGERS, Role.SERVICE_ADVISOR}
# Appointments are booked by reception and by the DCRC from its reminder calls.
BOOKING_ROLES = {*RECEPTION_ROLES, Role.DCRC_AGENT, Role.CR_MANAGER}
WORKSHOP_ROLES = {*MANAGERS, Role.DISPATCHER}
TECHNICIAN_ROLES = {*WORKSHOP_ROLES, Role.TECHNICIAN}
QC_ROLES = {*MANAGERS, Role.QC_INSPECTOR}
CASHIER_ROLES = {*MANAGERS, Role.CASHIER}
CONFIGURE_ROLES = MANAGERS

rules.add_perm("service.view", _role_in(VIEW_ROLES))
rules.add_perm("service.book", _role_in(BOOKING_ROLES))
rules.add_perm("service.reception", _role_in(RECEPTION_ROLES))
# Dispatch to stations and technicians, tools and equipment.
rules.add_perm("service.dispatch", _role_in(WORKSHOP_ROLES))
# Start and finish work on a job line.
rules.add_perm("service.work", _role_in(TECHNICIAN_ROLES))
rules.add_perm("service.qc", _role_in(QC_ROLES))
rules.add_perm("service.cashier", _role_in(CASHIER_ROLES))
# Slots, stations, labour catalogue, the labour rate.
rules.add_perm("service.configure", _role_in(CONFIGURE_ROLES))
