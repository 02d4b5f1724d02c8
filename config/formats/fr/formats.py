"""French dates: "1 décembre 2026 à 14:30" everywhere (one long form, the month in full)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j F Y \à H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
