"""Import and export of organisations and entrustments as CSV (UTF-8 with BOM) or Excel (.xlsx).

Headers read "名称 (name)": Japanese for people, the field code in brackets for the importer, so an export
imports back unchanged. An import is parsed, then previewed by running the real registry services in a
transaction that is rolled back (one savepoint per row, so an earlier row can make a later one valid), and
applied by running the same again for real: all rows, or none if any row fails.

The package, along those steps: `columns`, `exporting`, `parsing`, `rows` (running them; `results` what they
did) and `staging` (the stored upload, previewed then applied). Callers import from the package.
"""

from oversight.registry.importexport.columns import BOTH, COLUMNS, FORMATS, FORMULA_TRIGGERS, KINDS, XLSX_MIMETYPE
from oversight.registry.importexport.exporting import (
    Export,
    export,
    export_entrustments,
    export_organisations,
    export_workbook,
)
from oversight.registry.importexport.parsing import MAX_ROWS, Sheet, parse_upload
from oversight.registry.importexport.results import ImportResult, RowOutcome
from oversight.registry.importexport.rows import preview
from oversight.registry.importexport.staging import (
    PREVIEW_LIFETIME,
    apply_import,
    get_import,
    import_result,
    recent_imports,
    stage_import,
)

__all__ = [
    "BOTH", "COLUMNS", "FORMATS", "FORMULA_TRIGGERS", "KINDS", "MAX_ROWS", "PREVIEW_LIFETIME", "XLSX_MIMETYPE",
    "Export", "ImportResult", "RowOutcome", "Sheet", "apply_import", "export", "export_entrustments",
    "export_organisations", "export_workbook", "get_import", "import_result", "parse_upload", "preview",
    "recent_imports", "stage_import",
]
