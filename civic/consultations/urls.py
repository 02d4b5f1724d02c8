from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("consultations/", views.consultation_list, name="list"),
    path("consultations/news/", views.news_subscription, name="news"),
    path("consultations/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("consultations/<int:pk>/", views.consultation_detail, name="detail"),
    path("consultations/<int:pk>/thanks/", views.consultation_thanks, name="thanks"),
    path("consultations/<int:pk>/receipts/", views.consultation_receipts, name="receipts"),
]
