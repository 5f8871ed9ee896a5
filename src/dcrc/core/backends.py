"""Authentication backends."""

import rules
from django.contrib.auth import backends


class ModelBackend(backends.ModelBackend):
    """Django's backend, minus the permissions that rules predicates already decide.

    Without this, every permission the rules backend denies falls through to a database
    lookup of the user's and groups' permissions (two queries per page).
    """

    def has_perm(self, user_obj, perm, obj=None):
        return not rules.perm_exists(perm) and super().has_perm(user_obj, perm, obj)
