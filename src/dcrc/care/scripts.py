"""The texts of the contact center: call scripts and SMS templates share their {variables}.

text_render() fills them, task_variables() gives their values for a task, script_steps()
cuts a rendered call script into the steps of a call.
"""

from __future__ import annotations

import re

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dcrc.core.models import User

from .choices import Problem
from .models import ContactTask, MaintenanceSchedule, vehicle_plan


def text_render(text: str, variables: dict[str, str]) -> str:
    """Fill {placeholders}; unknown ones and stray braces are left as written."""
    return re.sub(r"\{(\w+)\}", lambda m: str(variables.get(m.group(1), m.group(0))), text)


def task_variables(*, task: ContactTask, agent: User | None = None) -> dict[str, str]:
    """The values a script or an SMS about `task` may mention (see defaults.default_script);
    unknown ones are left out."""
    dealer, customer, vehicle = task.dealer, task.customer, task.vehicle
    date = task.due_date or (task.source_visit.visit_date if task.source_visit else None)
    variables = {
        "dealer": dealer.short_name or dealer.name,
        "agent": str(agent) if agent else "",
        "name": customer.name,
        "hotline": dealer.hotline,
        "plate": vehicle.plate if vehicle and vehicle.plate else "",
        "date": date.isoformat() if date else "",
        "campaign": task.campaign.title if task.campaign else task.subject,
        "holiday": task.subject,
    }
    if vehicle is not None:
        plan = vehicle_plan(vehicle)
        km = plan.maintenance_due_km if plan and plan.maintenance_due_km else vehicle.mileage
        variables["km"] = f"{km:,}"
        schedule = (
            MaintenanceSchedule.objects.filter(dealer_id=task.dealer_id)
            .filter(Q(brand="") | Q(brand=vehicle.brand))
            .filter(Q(series="") | Q(series=vehicle.series))
            .order_by("-brand", "-series")
            .first()
        )
        if schedule is not None:
            variables["first_km"] = f"{schedule.first_km:,}"
            variables["first_months"] = str(schedule.first_months)
    problems = task.problems or (task.source_task.problems if task.source_task else [])
    if problems:
        variables["problems"] = "、".join(
            str(Problem(p).label) for p in problems if p in Problem.values
        )
    return {key: value for key, value in variables.items() if value}


STEP_LABELS = {
    "greeting": _("Greeting"),
    "identity": _("Identity check"),
    "convenient": _("Convenient now?"),
    "opening": _("Opening"),
    "purpose": _("Purpose"),
    "questions": _("Questions"),
    "closing": _("Closing blessing"),
}
_SENTENCE = re.compile(r"[^。？！?!]+[。？！?!]?")
_QUESTION = re.compile(r"\s*\d+[.、．]\s*")


def script_steps(script: str, variables: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """The script as the steps of a call: greeting, identity check, "convenient now?",
    purpose, numbered questions, closing blessing. A script of another shape is shown as
    opening / purpose / closing by its lines."""
    lines = [line.strip() for line in text_render(script, variables).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return []
    steps: list[tuple[str, list[str]]] = []
    opening = [s.strip() for s in _SENTENCE.findall(lines[0]) if s.strip()]
    if len(lines) >= 2 and len(opening) >= 3:
        steps += [
            ("greeting", opening[:-2]),
            ("identity", [opening[-2]]),
            ("convenient", [opening[-1]]),
        ]
    else:
        steps.append(("opening", [lines[0]]))
    middle = lines[1:-1] if len(lines) >= 2 else []
    for line in middle:
        parts = _QUESTION.split(line)
        if len(parts) > 2:
            steps.append(("purpose", [parts[0].rstrip("：:")]))
            steps.append(("questions", [p.strip() for p in parts[1:] if p.strip()]))
        else:
            steps.append(("purpose", [line]))
    if len(lines) >= 2:
        steps.append(("closing", [lines[-1]]))
    return [(code, STEP_LABELS[code], texts) for code, texts in steps if texts]
