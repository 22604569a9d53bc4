"""What a program's certificate requires, said to someone not enrolled (docs/catalogue.md).

The participant's checklist (``courses.requirements.evaluate``, ``templates/courses/_requirements.html``)
says where one person stands; this says what the rules are, from the same plain
``courses.requirements.Policy``: pure, no database, worded in the active language when called,
table-tested (``tests/courses/catalogue/test_certificate_rules.py``).

The engine has no attendance rule yet, so there is nothing to say about attendance.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.requirements import Policy, Role, threshold_text


def _list(titles: list[str]) -> str:
    return ", ".join(f"“{title}”" for title in titles)


def describe_policy(policy: Policy) -> tuple[str, ...]:
    """One sentence per rule: modules to pass (with their pass marks), elective groups, the
    weighted grade's make-up, category minimums and dropped grades, the overall pass mark.
    Empty when the policy requires nothing."""
    lines: list[str] = []
    for rule in policy.modules:
        values = {"title": rule.title, "mark": threshold_text(rule.pass_mark)}
        if rule.role == Role.REQUIRED:
            lines.append(_("Pass the module “%(title)s” with at least %(mark)s %%.") % values)
        elif rule.role == Role.CAPSTONE:
            lines.append(
                _("Pass the capstone project “%(title)s” with at least %(mark)s %%.") % values
            )
        if rule.role in (Role.REQUIRED, Role.CAPSTONE) and rule.attendance_rate is not None:
            rate = threshold_text(rule.attendance_rate)
            lines.append(
                _("Attend at least %(rate)s %% of the sessions of “%(title)s”.")
                % {"rate": rate, "title": rule.title}
            )
    for group in policy.groups:
        members = [r for r in policy.modules if r.group == group.key]
        marks = {r.pass_mark for r in members}
        group_values: dict[str, str | int] = {
            "n": group.required,
            "group": group.title,
            "modules": _list([r.title for r in members]),
        }
        if len(marks) == 1:
            group_values["mark"] = threshold_text(marks.pop())
            text = ngettext(
                "Pass %(n)d elective of “%(group)s” (%(modules)s) with at least %(mark)s %%.",
                "Pass %(n)d electives of “%(group)s” (%(modules)s), each with at least "
                "%(mark)s %%.",
                group.required,
            )
        else:
            text = ngettext(
                "Pass %(n)d elective of “%(group)s” (%(modules)s) at its pass mark.",
                "Pass %(n)d electives of “%(group)s” (%(modules)s), each at its pass mark.",
                group.required,
            )
        lines.append(text % group_values)
    counted = [c for c in policy.categories if c.weight > 0]
    if counted and policy.pass_mark is not None:
        lines.append(
            _("The weighted grade is made up of %(parts)s.")
            % {
                "parts": ", ".join(
                    _("%(title)s %(weight)s %%")
                    % {"title": c.title, "weight": threshold_text(c.weight)}
                    for c in counted
                )
            }
        )
    elif policy.pass_mark is not None:
        weighted = [r for r in policy.modules if r.role in (Role.REQUIRED, Role.CAPSTONE)]
        if len({r.weight for r in weighted}) > 1:
            lines.append(
                _("The weighted grade averages the modules by weight: %(parts)s.")
                % {"parts": ", ".join(f"“{r.title}” ×{threshold_text(r.weight)}" for r in weighted)}
            )
    for category in policy.categories:
        if category.drop_lowest:
            lines.append(
                ngettext(
                    "In “%(title)s” the lowest grade does not count.",
                    "In “%(title)s” the %(n)d lowest grades do not count.",
                    category.drop_lowest,
                )
                % {"title": category.title, "n": category.drop_lowest}
            )
        if category.minimum > 0:
            lines.append(
                _("“%(title)s” must reach at least %(minimum)s %% on its own.")
                % {"title": category.title, "minimum": threshold_text(category.minimum)}
            )
    if policy.pass_mark is not None:
        lines.append(
            _("A weighted grade of at least %(mark)s %%.")
            % {"mark": threshold_text(policy.pass_mark)}
        )
    return tuple(lines)
