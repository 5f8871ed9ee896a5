"""The weekly improvement loop (domain §7): weak points, weekly meetings, corrective actions.

Weak points (短板问题) are the (department, category) pairs that customers complained about, in
complaints and in what they told the contact center on a reached callback. The weekly meeting
reviews them with the open actions; every action has an owner and a due date, and the DCRC
verifies it once done.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dcrc.care.choices import CallOutcome, Problem
from dcrc.care.kpis import Ratio
from dcrc.care.models import CallAttempt
from dcrc.core.models import Dealer, User
from dcrc.core.notifications import Notice, notify

from .choices import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Category,
    Department,
    MeetingState,
)
from .models import Complaint, ImprovementAction, SurveyItem, WeeklyMeeting

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXAMPLES_PER_WEAK_POINT = 3

# What a customer told the contact center, as the weak point it shows: (department, category).
PROBLEM_WEAK_POINTS: dict[str, tuple[str, str]] = {
    Problem.RECEPTION: (Department.SERVICE, Category.SERVICE_ATTITUDE),
    Problem.WAITING: (Department.SERVICE, Category.WAITING_TIME),
    Problem.REPAIR_QUALITY: (Department.WORKSHOP, Category.REPAIR_QUALITY),
    Problem.PRODUCT_QUALITY: (Department.MANUFACTURER, Category.PRODUCT_QUALITY),
    Problem.PRICE: (Department.SERVICE, Category.PRICE),
    Problem.ATTITUDE: (Department.SERVICE, Category.SERVICE_ATTITUDE),
    Problem.PARTS: (Department.PARTS, Category.PARTS_AVAILABILITY),
    Problem.CLEANLINESS: (Department.WORKSHOP, Category.REPAIR_QUALITY),
    Problem.EXPLANATION: (Department.SERVICE, Category.SERVICE_ATTITUDE),
    Problem.OTHER: (Department.OTHER, Category.OTHER),
}


# --- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included, in Asia/Shanghai."""

    start: datetime.date
    end: datetime.date
    kind: str = "custom"  # week, month or custom: how the previous period is found

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[first instant, first instant after) as aware datetimes."""
        first = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=SHANGHAI)
        after = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=SHANGHAI
        )
        return first, after

    def previous(self) -> Period:
        if self.kind == "month":
            last = self.start - datetime.timedelta(days=1)
            return Period(last.replace(day=1), last, "month")
        return Period(
            self.start - datetime.timedelta(days=self.days),
            self.start - datetime.timedelta(days=1),
            self.kind,
        )


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the week of `day`."""
    return day - datetime.timedelta(days=day.weekday())


_monday = week_start  # for functions whose keyword argument is called week_start


def period_week(day: datetime.date) -> Period:
    monday = week_start(day)
    return Period(monday, monday + datetime.timedelta(days=6), "week")


def period_month(day: datetime.date) -> Period:
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return Period(first, following - datetime.timedelta(days=1), "month")


# --- weak points ----------------------------------------------------------------------------


@dataclass
class WeakPoint:
    department: str
    category: str
    complaints: int = 0
    callbacks: int = 0
    previous_complaints: int = 0
    previous_callbacks: int = 0
    open_actions: int = 0
    examples: list[dict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.complaints + self.callbacks

    @property
    def previous_total(self) -> int:
        return self.previous_complaints + self.previous_callbacks

    @property
    def change(self) -> int:
        return self.total - self.previous_total

    @property
    def department_label(self) -> str:
        return str(Department(self.department).label) if self.department else ""

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label) if self.category else ""

    @property
    def title(self) -> str:
        return f"{self.department_label} · {self.category_label}"

    def as_agenda(self) -> dict:
        return {
            "department": self.department,
            "category": self.category,
            "complaints": self.complaints,
            "callbacks": self.callbacks,
            "total": self.total,
            "previous_total": self.previous_total,
        }


def _callback_problems(
    dealer_ids: list[int], first: datetime.datetime, after: datetime.datetime
) -> list[tuple[datetime.datetime, list]]:
    # Reading the JSON list in Python keeps the query the same on SQLite and PostgreSQL; the
    # rows are bounded by the period and found through the (dealer, at) index.
    return list(
        CallAttempt.objects.filter(
            dealer_id__in=dealer_ids,
            at__gte=first,
            at__lt=after,
            outcome=CallOutcome.REACHED,
        ).values_list("at", "problems")
    )


def weak_points(*, dealer_ids: list[int], period: Period, viewer=None) -> list[WeakPoint]:
    """The period's weak points, ranked by complaints + callback problems, with the previous
    period's figures, a few example complaints and the open actions on each. The examples are
    complaints `viewer` may open (the manufacturer's staff: escalated ones); the counts are
    figures and count every complaint."""
    previous = period.previous()
    first, after = period.bounds()
    previous_first, previous_after = previous.bounds()
    points: dict[tuple[str, str], WeakPoint] = {}

    def point(department: str, category: str) -> WeakPoint:
        key = (department, category)
        if key not in points:
            points[key] = WeakPoint(department, category)
        return points[key]

    complaints = Complaint.objects.filter(dealer_id__in=dealer_ids)
    counted = (
        complaints.filter(
            Q(registered_at__gte=first, registered_at__lt=after)
            | Q(registered_at__gte=previous_first, registered_at__lt=previous_after)
        )
        .values("department", "category")
        .annotate(
            current=Count("pk", filter=Q(registered_at__gte=first, registered_at__lt=after)),
            earlier=Count(
                "pk",
                filter=Q(registered_at__gte=previous_first, registered_at__lt=previous_after),
            ),
        )
        .order_by()
    )
    for row in counted:
        weak = point(row["department"], row["category"])
        weak.complaints += row["current"]
        weak.previous_complaints += row["earlier"]

    for window_first, window_after, attr in (
        (first, after, "callbacks"),
        (previous_first, previous_after, "previous_callbacks"),
    ):
        heard: Counter = Counter()
        for _at, problems in _callback_problems(dealer_ids, window_first, window_after):
            for problem in problems or []:
                if problem in PROBLEM_WEAK_POINTS:
                    heard[PROBLEM_WEAK_POINTS[problem]] += 1
        for (department, category), n in heard.items():
            weak = point(department, category)
            setattr(weak, attr, getattr(weak, attr) + n)

    current = [weak for weak in points.values() if weak.total]
    if not current:
        return []

    openable = Complaint.objects.visible_to(viewer) if viewer is not None else Complaint.objects
    examples = (
        openable.filter(dealer_id__in=dealer_ids, registered_at__gte=first, registered_at__lt=after)
        .order_by("-registered_at", "-pk")
        .values("pk", "number", "subject", "department", "category")[:200]
    )
    for row in examples:
        weak = points.get((row["department"], row["category"]))
        if weak and len(weak.examples) < EXAMPLES_PER_WEAK_POINT:
            weak.examples.append({**row, "url": complaint_url(row["pk"])})

    open_actions = (
        ImprovementAction.objects.filter(dealer_id__in=dealer_ids, status__in=OPEN_ACTION_STATUSES)
        .values("department", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in open_actions:
        weak = points.get((row["department"], row["category"]))
        if weak:
            weak.open_actions += row["n"]

    return sorted(current, key=lambda w: (-w.total, -w.complaints, w.department, w.category))


# --- actions: selectors ---------------------------------------------------------------------


def actions_visible(*, user: User, dealer: Dealer | None = None) -> QuerySet[ImprovementAction]:
    """The actions a user may read: their dealers' with view_improvement, else their own."""
    rows = ImprovementAction.objects.for_user(user, dealer)
    if not user.has_perm("complaints.view_improvement"):
        rows = rows.filter(owner=user)
    return rows


def actions_list(
    *,
    user: User,
    dealer: Dealer | None = None,
    status: str = "",
    department: str = "",
    owner_id: int | None = None,
    overdue: bool = False,
    today: datetime.date | None = None,
) -> QuerySet[ImprovementAction]:
    today = today or timezone.localdate()
    rows = actions_visible(user=user, dealer=dealer).select_related(
        "dealer", "owner", "meeting", "complaint", "survey_item", "verified_by"
    )
    if status == "open":
        rows = rows.filter(status__in=OPEN_ACTION_STATUSES)
    elif status in ActionStatus.values:
        rows = rows.filter(status=status)
    if department in Department.values:
        rows = rows.filter(department=department)
    if owner_id:
        rows = rows.filter(owner_id=owner_id)
    if overdue:
        rows = rows.filter(status__in=OPEN_ACTION_STATUSES, due_date__lt=today)
    return rows.order_by("due_date", "pk")


def is_overdue(action: ImprovementAction, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return action.status in OPEN_ACTION_STATUSES and action.due_date < today


def action_completion(dealer_ids: list[int], start: datetime.date, end: datetime.date) -> Ratio:
    """Actions done or verified among those due from `start` to `end` (the figures page)."""
    counts = ImprovementAction.objects.filter(
        dealer_id__in=dealer_ids, due_date__gte=start, due_date__lte=end
    ).aggregate(
        due=Count("pk"),
        done=Count("pk", filter=Q(status__in=[ActionStatus.DONE, ActionStatus.VERIFIED])),
    )
    return Ratio(counts["done"], counts["due"])


def action_owners(dealer_id: int) -> QuerySet[User]:
    """Who may own an action: the dealer's active staff."""
    return User.objects.filter(dealers=dealer_id, is_active=True).order_by("username")


# --- actions: services ----------------------------------------------------------------------


def _same_dealer(errors: dict, name: str, row, dealer_id: int) -> None:
    if row is not None and row.dealer_id != dealer_id:
        errors[name] = _("This belongs to another dealer.")


@transaction.atomic
def improvement_action_create(
    *,
    dealer: Dealer,
    by: User,
    department: str,
    weak_point: str,
    action: str,
    owner: User,
    due_date: datetime.date,
    category: str = "",
    meeting: WeeklyMeeting | None = None,
    complaint: Complaint | None = None,
    survey_item: SurveyItem | None = None,
    today: datetime.date | None = None,
) -> ImprovementAction:
    """A corrective action for a weak point; its owner is told."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if department not in Department.values:
        errors["department"] = _("Choose a department.")
    if category and category not in Category.values:
        errors["category"] = _("Choose a category.")
    if not weak_point.strip():
        errors["weak_point"] = _("Name the weak point.")
    if not action.strip():
        errors["action"] = _("Describe the corrective action.")
    if due_date < today:
        errors["due_date"] = _("The due date cannot be in the past.")
    if not owner.is_active or not owner.dealers.filter(pk=dealer.pk).exists():
        errors["owner"] = _("The owner must work at this dealer.")
    _same_dealer(errors, "meeting", meeting, dealer.pk)
    _same_dealer(errors, "complaint", complaint, dealer.pk)
    _same_dealer(errors, "survey_item", survey_item, dealer.pk)
    if meeting is not None and meeting.state != MeetingState.DRAFT:
        errors["meeting"] = _("The minutes of this meeting are final.")
    if errors:
        raise ValidationError(errors)
    created = ImprovementAction.objects.create(
        dealer=dealer,
        meeting=meeting,
        complaint=complaint,
        survey_item=survey_item,
        department=department,
        category=category,
        weak_point=weak_point.strip(),
        action=action.strip(),
        owner=owner,
        due_date=due_date,
        created_by=by,
    )
    if owner.pk != by.pk:
        notice = Notice(
            key=f"improvement_action:{created.pk}:assigned",
            title=_("Corrective action for you: %(weak_point)s") % {"weak_point": created},
            body=_("Due %(due)s. %(action)s") % {"due": due_date, "action": created.action},
            url=created_url(created),
        )
        transaction.on_commit(
            lambda: notify(users=[owner], dealer_id=dealer.pk, notice=notice, email=True)
        )
    return created


def created_url(action: ImprovementAction) -> str:
    return reverse("complaints:action", args=[action.pk])


def complaint_url(pk: int) -> str:
    """The complaint's page; empty while the complaint pages are not installed."""
    try:
        return reverse("complaints:detail", args=[pk])
    except NoReverseMatch:
        return ""


def _locked(action: ImprovementAction) -> ImprovementAction:
    return ImprovementAction.objects.select_for_update().get(pk=action.pk)


def _may_work_on(action: ImprovementAction, by: User) -> bool:
    return by.pk == action.owner_id or by.has_perm("complaints.run_improvement")


@transaction.atomic
def improvement_action_update(
    *,
    action: ImprovementAction,
    by: User,
    status: str = ActionStatus.IN_PROGRESS,
    due_date: datetime.date | None = None,
) -> ImprovementAction:
    """The owner starts on the action (open or rejected → in progress); the DCRC may move
    the due date."""
    action = _locked(action)
    if not _may_work_on(action, by):
        raise ValidationError(_("Only the owner or the DCRC may update this action."))
    if status != ActionStatus.IN_PROGRESS or action.status not in OPEN_ACTION_STATUSES:
        raise ValidationError({"status": _("This action cannot be moved to that status.")})
    action.status = status
    fields = ["status"]
    if due_date is not None and due_date != action.due_date:
        if not by.has_perm("complaints.run_improvement"):
            raise ValidationError({"due_date": _("Only the DCRC may move the due date.")})
        if due_date < timezone.localdate():
            raise ValidationError({"due_date": _("The due date cannot be in the past.")})
        action.due_date = due_date
        fields.append("due_date")
    action.save(update_fields=fields)
    return action


@transaction.atomic
def improvement_action_done(
    *, action: ImprovementAction, by: User, note: str, at: datetime.datetime | None = None
) -> ImprovementAction:
    """The owner reports the action done, saying what was done; the DCRC verifies it next."""
    action = _locked(action)
    if not _may_work_on(action, by):
        raise ValidationError(_("Only the owner or the DCRC may update this action."))
    if action.status not in OPEN_ACTION_STATUSES:
        raise ValidationError({"status": _("Only an open action can be reported done.")})
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    action.status = ActionStatus.DONE
    action.done_at = at or timezone.now()
    action.done_note = note.strip()
    action.save(update_fields=["status", "done_at", "done_note"])
    return action


@transaction.atomic
def improvement_action_verify(
    *,
    action: ImprovementAction,
    by: User,
    effective: bool,
    note: str = "",
    at: datetime.datetime | None = None,
) -> ImprovementAction:
    """The DCRC checks a done action: verified, or not effective and reopened with a reason."""
    action = _locked(action)
    if not by.has_perm("complaints.run_improvement") or action.dealer_id not in by.dealer_ids:
        raise ValidationError(_("Only the DCRC may verify actions."))
    if action.status != ActionStatus.DONE:
        raise ValidationError({"status": _("Only a done action can be verified.")})
    if action.owner_id == by.pk:
        raise ValidationError(_("The owner cannot verify their own action."))
    if not effective and not note.strip():
        raise ValidationError({"note": _("Say why the action is not effective.")})
    action.status = ActionStatus.VERIFIED if effective else ActionStatus.REJECTED
    action.verified_by = by
    action.verified_at = at or timezone.now()
    action.verification_note = note.strip()
    action.save(update_fields=["status", "verified_by", "verified_at", "verification_note"])
    if not effective:
        notice = Notice(
            key=f"improvement_action:{action.pk}:rejected:{action.verified_at:%Y%m%d%H%M%S}",
            title=_("Corrective action reopened: %(weak_point)s") % {"weak_point": action},
            body=action.verification_note,
            url=created_url(action),
        )
        owner = action.owner
        transaction.on_commit(
            lambda: notify(users=[owner], dealer_id=action.dealer_id, notice=notice)
        )
    return action


# --- weekly meetings ------------------------------------------------------------------------


def _action_snapshot(action: ImprovementAction, today: datetime.date) -> dict:
    return {
        "id": action.pk,
        "department": action.department,
        "category": action.category,
        "weak_point": action.weak_point,
        "action": action.action,
        "owner": str(action.owner),
        "due_date": action.due_date.isoformat(),
        "status": action.status,
        "overdue": is_overdue(action, today),
    }


def meeting_agenda(*, dealer: Dealer, week_start: datetime.date, today: datetime.date) -> dict:
    """The agenda of a week's meeting: the week's weak points, every open action, and the
    previous meeting's actions to review. Kept on the meeting as a snapshot."""
    period = period_week(week_start)
    points = weak_points(dealer_ids=[dealer.pk], period=period)
    open_actions = (
        ImprovementAction.objects.filter(dealer=dealer, status__in=OPEN_ACTION_STATUSES)
        .select_related("owner")
        .order_by("due_date", "pk")
    )
    previous = (
        WeeklyMeeting.objects.filter(dealer=dealer, week_start__lt=week_start)
        .order_by("-week_start")
        .first()
    )
    review = []
    if previous is not None:
        review = [
            _action_snapshot(action, today)
            for action in previous.actions.select_related("owner").order_by("due_date", "pk")
        ]
    return {
        "period": [period.start.isoformat(), period.end.isoformat()],
        "weak_points": [weak.as_agenda() for weak in points],
        "open_actions": [_action_snapshot(action, today) for action in open_actions],
        "previous_meeting": previous.week_start.isoformat() if previous else None,
        "review_actions": review,
    }


# A meeting is prepared at most a week ahead and held in its week or the week after.
MEETING_AHEAD_DAYS = 7
MEETING_LATE_DAYS = 7


def held_at_check(week_start: datetime.date, held_at: datetime.datetime | None) -> None:
    """Refuse a meeting time before its week or more than a week after the week's end."""
    if held_at is None:
        return
    day = timezone.localtime(held_at).date()
    last = week_start + datetime.timedelta(days=6 + MEETING_LATE_DAYS)
    if day < week_start:
        raise ValidationError(
            {
                "held_at": _("The meeting cannot be held before its week (from %(first)s).")
                % {"first": week_start}
            }
        )
    if day > last:
        raise ValidationError(
            {
                "held_at": _(
                    "The meeting must be held by %(last)s, a week after the end of its week."
                )
                % {"last": last}
            }
        )


@transaction.atomic
def meeting_create(
    *, dealer: Dealer, week_start: datetime.date, by: User, today: datetime.date | None = None
) -> WeeklyMeeting:
    """The weekly meeting of the week of `week_start` (any day of it), with its agenda."""
    today = today or timezone.localdate()
    monday = _monday(week_start)
    if monday > today + datetime.timedelta(days=MEETING_AHEAD_DAYS):
        raise ValidationError(
            {
                "week_start": _(
                    "A meeting can be prepared at most %(days)s days ahead: choose a week "
                    "starting by %(last)s."
                )
                % {
                    "days": MEETING_AHEAD_DAYS,
                    "last": today + datetime.timedelta(days=MEETING_AHEAD_DAYS),
                }
            }
        )
    if WeeklyMeeting.objects.filter(dealer=dealer, week_start=monday).exists():
        raise ValidationError({"week_start": _("This week's meeting already exists.")})
    try:
        with transaction.atomic():
            return WeeklyMeeting.objects.create(
                dealer=dealer,
                week_start=monday,
                chair=by,
                agenda=meeting_agenda(dealer=dealer, week_start=monday, today=today),
                created_by=by,
            )
    except IntegrityError:
        raise ValidationError({"week_start": _("This week's meeting already exists.")}) from None


def _draft(meeting: WeeklyMeeting) -> WeeklyMeeting:
    meeting = WeeklyMeeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state != MeetingState.DRAFT:
        raise ValidationError(_("The minutes of this meeting are final."))
    return meeting


@transaction.atomic
def meeting_agenda_refresh(
    *, meeting: WeeklyMeeting, by: User, today: datetime.date | None = None
) -> WeeklyMeeting:
    """Generate a draft meeting's agenda again from today's figures."""
    meeting = _draft(meeting)
    meeting.agenda = meeting_agenda(
        dealer=meeting.dealer,
        week_start=meeting.week_start,
        today=today or timezone.localdate(),
    )
    meeting.save(update_fields=["agenda"])
    return meeting


def attendees_clean(names) -> list[str]:
    """Names once each, in order, without blanks."""
    return list(dict.fromkeys(str(name).strip() for name in names if str(name).strip()))


@transaction.atomic
def meeting_update(
    *,
    meeting: WeeklyMeeting,
    by: User,
    held_at: datetime.datetime | None,
    location: str = "",
    chair: User | None = None,
    attendees: list[str] | tuple[str, ...] = (),
    minutes: str = "",
    decisions: str = "",
) -> WeeklyMeeting:
    """Record what happened at a draft meeting."""
    meeting = _draft(meeting)
    if chair is not None and not chair.dealers.filter(pk=meeting.dealer_id).exists():
        raise ValidationError({"chair": _("The chair must work at this dealer.")})
    held_at_check(meeting.week_start, held_at)
    meeting.held_at = held_at
    meeting.location = location.strip()
    meeting.chair = chair
    meeting.attendees = attendees_clean(attendees)
    meeting.minutes = minutes.strip()
    meeting.decisions = decisions.strip()
    meeting.save(
        update_fields=["held_at", "location", "chair", "attendees", "minutes", "decisions"]
    )
    return meeting


@transaction.atomic
def meeting_finalise(*, meeting: WeeklyMeeting, by: User) -> WeeklyMeeting:
    """Make the minutes final: the meeting was held, chaired, attended and minuted."""
    meeting = _draft(meeting)
    errors = {}
    if meeting.held_at is None:
        errors["held_at"] = _("Enter when the meeting was held.")
    if meeting.chair_id is None:
        errors["chair"] = _("Name the chair.")
    if not meeting.attendees:
        errors["attendees"] = _("List who attended.")
    if not meeting.minutes:
        errors["minutes"] = _("Write the minutes.")
    if errors:
        raise ValidationError(errors)
    meeting.state = MeetingState.HELD
    meeting.save(update_fields=["state"])
    return meeting


def meetings_list(*, user: User, dealer: Dealer | None = None) -> QuerySet[WeeklyMeeting]:
    return (
        WeeklyMeeting.objects.for_user(user, dealer)
        .select_related("dealer", "chair")
        .annotate(
            action_count=Count("actions"),
            open_count=Count("actions", filter=Q(actions__status__in=OPEN_ACTION_STATUSES)),
        )
        .order_by("-week_start", "dealer__code")
    )


def meeting_detail(*, user: User, pk: int) -> WeeklyMeeting:
    """One meeting the user may read; DoesNotExist otherwise (→ 404)."""
    return WeeklyMeeting.objects.for_user(user).select_related("dealer", "chair").get(pk=pk)


def meeting_actions(meeting: WeeklyMeeting) -> QuerySet[ImprovementAction]:
    return meeting.actions.select_related("owner", "verified_by").order_by("due_date", "pk")


def agenda_labelled(agenda: dict) -> dict:
    """The snapshot with labels of its codes, for the page and the exports."""

    def label(choices, value):
        try:
            return str(choices(value).label)
        except ValueError:
            return value or ""

    def labelled(row: dict) -> dict:
        row = dict(row)
        row["department_label"] = label(Department, row.get("department"))
        row["category_label"] = label(Category, row.get("category"))
        if "status" in row:
            row["status_label"] = label(ActionStatus, row["status"])
        return row

    return {
        "period": agenda.get("period") or [],
        "weak_points": [labelled(row) for row in agenda.get("weak_points", [])],
        "open_actions": [labelled(row) for row in agenda.get("open_actions", [])],
        "previous_meeting": agenda.get("previous_meeting"),
        "review_actions": [labelled(row) for row in agenda.get("review_actions", [])],
    }
