"""Alert templates per hazard, in French and English, with their CAP fields.

The French SMS texts avoid letters outside GSM-7 (ê, â, î, ô, û, ç, œ) so that one SMS holds
160 characters instead of 70 (alerts/segments.py). `{council}` is replaced by the council's name.
Staff edit everything before sending.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class HazardText:
    event: str
    headline: str
    sms_body: str
    description: str
    instruction: str


@dataclass(frozen=True)
class Hazard:
    code: str
    label: object
    category: str
    urgency: str
    severity: str
    certainty: str
    response_type: str
    texts: dict[str, HazardText]

    def for_language(self, language: str, council_name: str) -> dict:
        text = self.texts.get(language) or self.texts["fr"]
        fields = {
            "hazard": self.code,
            "language": language if language in self.texts else "fr",
            "category": self.category,
            "urgency": self.urgency,
            "severity": self.severity,
            "certainty": self.certainty,
            "response_type": self.response_type,
        }
        for name in ("event", "headline", "sms_body", "description", "instruction"):
            fields[name] = getattr(text, name).replace("{council}", council_name)
        return fields


HAZARDS: dict[str, Hazard] = {
    h.code: h
    for h in [
        Hazard(
            "flood",
            _("Flood"),
            "Met",
            "Immediate",
            "Severe",
            "Observed",
            "Prepare",
            {
                "fr": HazardText(
                    "Inondation",
                    "Alerte inondation",
                    "{council} - ALERTE INONDATION : la crue monte rapidement. Évitez les bords "
                    "de l'eau et les parkings souterrains, ne prenez pas la voiture. Infos : "
                    "site de la mairie.",
                    "Le niveau du cours d'eau monte rapidement et des débordements sont en cours.",
                    "Mettez-vous à l'abri en hauteur, coupez le gaz et l'électricité si l'eau "
                    "entre, ne traversez pas une zone inondée.",
                ),
                "en": HazardText(
                    "Flood",
                    "Flood warning",
                    "{council} - FLOOD WARNING: the river is rising fast. Keep away from the "
                    "water's edge and underground car parks, do not drive. Updates on the "
                    "council's site.",
                    "The river level is rising fast and it is overflowing in places.",
                    "Move to higher ground, switch off gas and electricity if water comes in, "
                    "never cross a flooded area.",
                ),
            },
        ),
        Hazard(
            "storm",
            _("Storm"),
            "Met",
            "Expected",
            "Severe",
            "Likely",
            "Shelter",
            {
                "fr": HazardText(
                    "Tempête",
                    "Alerte tempête",
                    "{council} - ALERTE TEMPETE : vents violents attendus. Restez chez vous, "
                    "rentrez les objets exposés au vent, évitez les parcs et les bords de mer.",
                    "Des rafales de vent violentes sont attendues sur la commune.",
                    "Restez à l'intérieur, rangez ou fixez ce qui peut s'envoler, limitez vos "
                    "déplacements.",
                ),
                "en": HazardText(
                    "Storm",
                    "Storm warning",
                    "{council} - STORM WARNING: violent winds expected. Stay indoors, bring in "
                    "loose objects, avoid parks and the seafront.",
                    "Violent gusts of wind are expected over the council's area.",
                    "Stay indoors, secure anything that could blow away, limit travel.",
                ),
            },
        ),
        Hazard(
            "heatwave",
            _("Heatwave"),
            "Met",
            "Expected",
            "Moderate",
            "Likely",
            "Prepare",
            {
                "fr": HazardText(
                    "Canicule",
                    "Alerte canicule",
                    "{council} - CANICULE : fortes chaleurs attendues. Buvez de l'eau, restez "
                    "au frais, prenez des nouvelles de vos voisins isolés.",
                    "Des températures très élevées sont attendues jour et nuit.",
                    "Buvez régulièrement, évitez les efforts aux heures chaudes, fermez volets "
                    "et fenêtres le jour.",
                ),
                "en": HazardText(
                    "Heatwave",
                    "Heatwave warning",
                    "{council} - HEATWAVE: very high temperatures expected. Drink water, keep "
                    "cool, check on elderly or isolated neighbours.",
                    "Very high temperatures are expected by day and by night.",
                    "Drink regularly, avoid effort in the hottest hours, keep shutters and "
                    "windows closed during the day.",
                ),
            },
        ),
        Hazard(
            "water",
            _("Water contamination"),
            "Health",
            "Immediate",
            "Severe",
            "Observed",
            "Avoid",
            {
                "fr": HazardText(
                    "Eau non potable",
                    "Eau du robinet non potable",
                    "{council} - EAU NON POTABLE : ne buvez pas l'eau du robinet et ne "
                    "l'utilisez pas pour cuisiner jusqu'à nouvel ordre. Eau en bouteille "
                    "distribuée en mairie.",
                    "Une contamination du réseau d'eau potable a été détectée.",
                    "Utilisez de l'eau en bouteille pour boire, cuisiner et vous brosser les "
                    "dents.",
                ),
                "en": HazardText(
                    "Drinking water contamination",
                    "Tap water unsafe to drink",
                    "{council} - WATER UNSAFE: do not drink tap water or cook with it until "
                    "further notice. Bottled water available at the town hall.",
                    "A contamination of the drinking water network has been detected.",
                    "Use bottled water to drink, cook and brush your teeth.",
                ),
            },
        ),
        Hazard(
            "evacuation",
            _("Evacuation"),
            "Safety",
            "Immediate",
            "Extreme",
            "Observed",
            "Evacuate",
            {
                "fr": HazardText(
                    "Évacuation",
                    "Ordre d'évacuation",
                    "{council} - EVACUATION IMMEDIATE de votre quartier. Prenez papiers, "
                    "médicaments et téléphone, suivez les consignes des secours. Point "
                    "d'accueil : mairie.",
                    "Une évacuation des habitants du secteur est ordonnée.",
                    "Quittez votre domicile sans attendre, aidez vos voisins, rejoignez le point "
                    "d'accueil.",
                ),
                "en": HazardText(
                    "Evacuation",
                    "Evacuation order",
                    "{council} - EVACUATE your neighbourhood NOW. Take ID, medicines and phone, "
                    "follow the emergency services. Reception point: town hall.",
                    "Residents of the area are ordered to evacuate.",
                    "Leave your home at once, help your neighbours, go to the reception point.",
                ),
            },
        ),
        Hazard(
            "road",
            _("Road closure"),
            "Transport",
            "Expected",
            "Minor",
            "Observed",
            "Avoid",
            {
                "fr": HazardText(
                    "Fermeture de route",
                    "Route fermée",
                    "{council} - ROUTE FERMEE : la circulation est interdite sur [route] "
                    "jusqu'à nouvel ordre. Suivez la déviation.",
                    "Une route de la commune est fermée à la circulation.",
                    "Évitez le secteur et suivez la déviation mise en place.",
                ),
                "en": HazardText(
                    "Road closure",
                    "Road closed",
                    "{council} - ROAD CLOSED: [road] is closed to traffic until further "
                    "notice. Follow the diversion.",
                    "A road in the council's area is closed to traffic.",
                    "Avoid the area and follow the diversion.",
                ),
            },
        ),
        Hazard(
            "all_clear",
            _("All clear"),
            "Safety",
            "Past",
            "Minor",
            "Observed",
            "AllClear",
            {
                "fr": HazardText(
                    "Fin d'alerte",
                    "Fin d'alerte",
                    "{council} - FIN D'ALERTE : la situation est revenue à la normale. Merci "
                    "de votre vigilance.",
                    "La situation est revenue à la normale.",
                    "Vous pouvez reprendre vos activités normalement.",
                ),
                "en": HazardText(
                    "All clear",
                    "All clear",
                    "{council} - ALL CLEAR: the situation is back to normal. Thank you for "
                    "your vigilance.",
                    "The situation is back to normal.",
                    "You can resume your normal activities.",
                ),
            },
        ),
    ]
}

HAZARD_CHOICES = [(code, hazard.label) for code, hazard in HAZARDS.items()]
