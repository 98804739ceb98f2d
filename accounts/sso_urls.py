"""Single sign-on URLs: allauth's OpenID Connect views, allowed to send forms to providers.

The site's Content-Security-Policy limits form-action to 'self', and browsers apply it to
every redirect after a form is sent: the POST that starts single sign-on redirects to the
provider, so pages holding that form name the providers' origins in form-action.
"""

from allauth.socialaccount.providers.openid_connect import views
from django.urls import path

from accounts.sso import allow_sso_form_action

urlpatterns = [
    path(
        "<str:provider_id>/login/", allow_sso_form_action(views.login), name="openid_connect_login"
    ),
    path("<str:provider_id>/login/callback/", views.callback, name="openid_connect_callback"),
]
