"""Whether a grading policy can be met at all (docs/program-setup.md, "Can it be met?").

``GradingPolicy.problems`` refuses what the database must never hold (rules of another
program, an elective without a group); this asks the coordinator's question about the rules
as plain data (``courses.requirements.Policy``), so the editor can check a draft before it is
saved and publishing checks the same: is there something to pass, can every threshold be
reached, does every elective group have enough modules, do the category weights add up.
Pure, no database, worded in the active language, table-tested
(``tests/courses/setup/test_feasibility.py``).
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from courses.requirements import COUNTED_ROLES, Policy, Role, threshold_text

HUNDRED = Decimal(100)


def unmet_reasons(policy: Policy) -> tuple[str, ...]:
    """Why no participant could ever meet ``policy`` (empty: it can be met)."""
    found: list[str] = []
    counted = [r for r in policy.modules if r.role in COUNTED_ROLES]
    if not counted and not policy.groups:
        found.append(_("The policy requires nothing: make at least one module required."))
    for rule in policy.modules:
        if not Decimal(0) <= rule.pass_mark <= HUNDRED:
            found.append(
                _("The module “%(title)s” has a pass mark of %(mark)s %%, which cannot be reached.")
                % {"title": rule.title, "mark": threshold_text(rule.pass_mark)}
            )
        if rule.weight < 0:
            found.append(_("The module “%(title)s” has a negative weight.") % {"title": rule.title})
        if (rule.role == Role.ELECTIVE) != (rule.group is not None):
            found.append(
                _("The module “%(title)s”: electives need an elective group, and only electives.")
                % {"title": rule.title}
            )
    group_keys = {g.key for g in policy.groups}
    for rule in policy.modules:
        if rule.group is not None and rule.group not in group_keys:
            found.append(
                _("The module “%(title)s” is in an elective group that does not exist.")
                % {"title": rule.title}
            )
    for group in policy.groups:
        members = sum(1 for r in policy.modules if r.group == group.key)
        if group.required < 1 or group.required > members:
            found.append(
                _(
                    "The elective group “%(title)s” asks for %(required)s modules but has "
                    "%(members)s."
                )
                % {"title": group.title, "required": group.required, "members": members}
            )
    found.extend(_category_reasons(policy))
    if policy.pass_mark is not None:
        if not Decimal(0) <= policy.pass_mark <= HUNDRED:
            found.append(
                _("The pass mark for the weighted grade, %(mark)s %%, cannot be reached.")
                % {"mark": threshold_text(policy.pass_mark)}
            )
        elif (
            policy.pass_mark > 0
            and not policy.categories
            and counted
            and not any(r.weight > 0 for r in counted)
        ):
            found.append(
                _("Every required module weighs 0, so there is no weighted grade to pass.")
            )
    return tuple(found)


def _category_reasons(policy: Policy) -> list[str]:
    found: list[str] = []
    if not policy.categories:
        return found
    total = sum((c.weight for c in policy.categories), Decimal(0))
    if total != HUNDRED:
        found.append(
            _("The category weights add up to %(total)s %%, not 100 %%.")
            % {"total": threshold_text(total)}
        )
    used = {r.category for r in policy.modules} | {key for _id, key in policy.assignment_categories}
    for category in policy.categories:
        if category.weight < 0:
            found.append(
                _("The category “%(title)s” has a negative weight.") % {"title": category.title}
            )
        if category.minimum > HUNDRED:
            found.append(
                _("The category “%(title)s” asks for at least %(minimum)s %%, more than 100 %%.")
                % {"title": category.title, "minimum": threshold_text(category.minimum)}
            )
        if category.key not in used and (category.weight > 0 or category.minimum > 0):
            found.append(
                _("Nothing counts in the category “%(title)s”, so its minimum cannot be reached.")
                % {"title": category.title}
            )
    return found
