from django.urls import path

from . import staff_views as v

app_name = "consultations"

urlpatterns = [
    path("consultations/", v.consultation_list, name="list"),
    path("consultations/new/", v.consultation_new, name="new"),
    path("consultations/<int:pk>/", v.consultation_edit, name="edit"),
    path("consultations/<int:pk>/questions/", v.question_add, name="question_add"),
    path("consultations/<int:pk>/questions/<int:qid>/", v.question_edit, name="question_edit"),
    path(
        "consultations/<int:pk>/questions/<int:qid>/delete/",
        v.question_remove,
        name="question_delete",
    ),
    path("consultations/<int:pk>/action/<str:action>/", v.consultation_action, name="action"),
    path("consultations/<int:pk>/preview/", v.consultation_preview, name="preview"),
    path("consultations/<int:pk>/results/", v.consultation_results, name="results"),
    path("consultations/<int:pk>/results.csv", v.results_csv, name="results_csv"),
    path("consultations/<int:pk>/results.json", v.results_json, name="results_json"),
    path("consultations/<int:pk>/outcome/", v.outcome, name="outcome"),
    path("consultations/<int:pk>/texts/", v.texts, name="texts"),
    path("consultations/<int:pk>/texts/<uuid:tid>/", v.text_moderate, name="text_moderate"),
    path("consultations/<int:pk>/paper/", v.paper_ballot, name="paper"),
    path("consultations/<int:pk>/reports/", v.report_links, name="report_links"),
    path("consultations/<int:pk>/cover/", v.cover, name="cover"),
    path("consultations/<int:pk>/attachments/", v.attachment_add, name="attachment_add"),
    path(
        "consultations/<int:pk>/attachments/<int:aid>/delete/",
        v.attachment_remove,
        name="attachment_delete",
    ),
]
