"""The shared core: one way to do each cross-cutting thing (STYLE.md, "Shared core").

Rate limits, phone numbers, CSV, XML-safe text, images, the SMS transport, API and HTML error
handling, the staff audit log and the privacy registry. Apps import these; they never write
their own. Layering: tenants ← accounts ← core ← community ← civic, alerts ← reports.
"""
