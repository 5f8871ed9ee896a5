"""The column-mapping form of an import: one choice per source column of the file."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .import_columns import targets_for
from .imports import mapping_validate


class ImportMappingForm(forms.Form):
    """Fields col_0 … col_N, labelled with the file's headers, preset to the detected mapping."""

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        self.headers = job.mapping.get("headers", [])
        columns = job.mapping.get("columns", {})
        choices = [("", _("— do not import —"))] + [
            (target.key, target.label) for target in targets_for(job.kind).values()
        ]
        for position, header in enumerate(self.headers):
            self.fields[f"col_{position}"] = forms.ChoiceField(
                label=header or _("Column %(number)d") % {"number": position + 1},
                choices=choices,
                required=False,
                initial=columns.get(str(position), ""),
            )

    def rows(self):
        """(bound field, sample values) per source column, for the mapping table."""
        samples = self.job.mapping.get("samples", [])
        for position in range(len(self.headers)):
            values = [row[position] for row in samples if position < len(row) and row[position]]
            yield self[f"col_{position}"], values

    def clean(self):
        cleaned = super().clean()
        columns = {
            str(position): cleaned.get(f"col_{position}") or ""
            for position in range(len(self.headers))
        }
        try:
            self.columns = mapping_validate(self.job.kind, columns, self.headers)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return cleaned
