#!/usr/bin/env bash
# Refresh the French catalogues: the project's (locale/: templates, config, tenants, accounts)
# and each feature app's own (<app>/locale/). Then translate the new entries and run the suite
# (tests/tenants/test_i18n.py fails on any untranslated or fuzzy entry).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DJANGO_SETTINGS_MODULE=config.settings.dev
PY="$PWD/.venv/bin/python"
APPS=(civic community alerts reports)
ignore=(--ignore ".venv/*" --ignore ".run/*" --ignore "tests/*" --ignore "bench/*")
for app in "${APPS[@]}"; do ignore+=(--ignore "$app/*"); done
"$PY" manage.py makemessages -l fr --no-obsolete "${ignore[@]}"
for app in "${APPS[@]}"; do
  if grep -rqlE "gettext|translate|_\(" "$app" --include=*.py --include=*.html --include=*.txt; then
    mkdir -p "$app/locale"
    (cd "$app" && "$PY" ../manage.py makemessages -l fr --no-obsolete --ignore "static/*")
  fi
  # The app's own scripts (not vendored libraries) with gettext() calls: the djangojs domain.
  if grep -rqlE "gettext\(" "$app/static" --include=*.js --exclude-dir=vendor 2>/dev/null; then
    (cd "$app" && "$PY" ../manage.py makemessages -d djangojs -l fr --no-obsolete \
      --ignore "static/*/vendor/*")
  fi
done
