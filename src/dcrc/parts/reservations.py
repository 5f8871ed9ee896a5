"""Parts for appointments: what booked visits need, reserved or back-ordered (B/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dcrc.core.models import User
    from dcrc.service.models import Appointment


def appointment_panel(*, appointment: Appointment, user: User) -> dict[str, Any]:
    """The warehouse's part of the appointment page (templates/parts/partials/
    appointment_panel.html): what it needs beyond `appointment`, in a fixed number of queries."""
    return {}
