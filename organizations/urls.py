from django.urls import path

from organizations import views

urlpatterns = [
    path("", views.home, name="home"),
]
