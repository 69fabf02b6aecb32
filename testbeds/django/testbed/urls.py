from django.conf import settings
from django.urls import include, path, re_path

from rest_framework.routers import DefaultRouter

from api import (
    views,
    views_coupons,
    views_injection,
    views_leaks,
    views_legacy,
    views_maintenance,
    views_outbound,
    views_twofactor,
)

# VULNERABLE keeps ids as raw strings so non-numeric ids reach the ORM and
# crash (technical 500 page); HARDENED converts them (non-numeric -> 404).
PK = "<str:pk>" if settings.VULNERABLE else "<int:pk>"

# DRF viewsets (issue 14): coupons (BFLA-002) and REST hooks (SSRF-006).
router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("coupons", views_coupons.CouponViewSet, basename="coupon")
router.register("hooks", views_outbound.HookViewSet, basename="hook")

urlpatterns = [
    path("", views.index, name="index"),
    path("api/schema/openapi.json", views.openapi_document, name="openapi"),
    path("api/v2/auth/login/", views.LoginView.as_view(), name="login"),
    path("api/v2/me/", views.MeView.as_view(), name="me"),
    path("api/v2/products/", views.ProductListView.as_view(), name="product-list"),
    path("api/v2/products/search/", views_injection.ProductSearchView.as_view(), name="product-search"),
    path("api/v2/products/by-sku/", views_injection.ProductBySkuView.as_view(), name="product-by-sku"),
    path("api/v2/greeting/", views_injection.GreetingView.as_view(), name="greeting"),
    path("api/v2/products/%s/" % PK, views.ProductDetailView.as_view(), name="product-detail"),
    path("api/v2/orders/", views.OrderListView.as_view(), name="order-list"),
    path("api/v2/orders/export/", views_injection.OrderExportView.as_view(), name="order-export"),
    path("api/v2/orders/%s/" % PK, views.OrderDetailView.as_view(), name="order-detail"),
    path("api/v2/users/", views.UserListView.as_view(), name="user-list"),
    path("api/v2/admin/users/", views.AdminUserListView.as_view(), name="admin-users"),
    path("api/v2/admin/settings/", views.AdminSettingsView.as_view(), name="admin-settings"),
    path("api/v2/fetch/", views.FetchView.as_view(), name="fetch"),
    path("api/v2/me/avatar/", views_outbound.AvatarImportView.as_view(), name="me-avatar"),
    path("api/v2/wishlists/check-slug/", views_injection.WishlistSlugCheckView.as_view(), name="wishlist-slug"),
    path("api/v2/partners/session/", views_injection.PartnerSessionView.as_view(), name="partner-session"),
    path("api/v2/auth/2fa/", views_twofactor.TwoFactorChallengeView.as_view(), name="2fa-challenge"),
    path("api/v2/auth/2fa/verify/", views_twofactor.TwoFactorVerifyView.as_view(), name="2fa-verify"),
    path("api/v2/", include(router.urls)),
    path(
        "api/v2/admin/maintenance/",
        (
            views_maintenance.VulnerableMaintenanceView
            if settings.VULNERABLE
            else views_maintenance.HardenedMaintenanceView
        ).as_view(),
        name="admin-maintenance",
    ),
]

if settings.VULNERABLE:
    urlpatterns += [
        path("api/v2/debug/headers/", views.DebugHeadersView.as_view(), name="debug-headers"),
        path("api/v2/debug/crash/", views.DebugCrashView.as_view(), name="debug-crash"),
        path("api/v1/users/", views_legacy.users, name="v1-users"),
        path("api/v1/orders/", views_legacy.orders, name="v1-orders"),
        path("api/v1/orders/<int:pk>/", views_legacy.order_detail, name="v1-order-detail"),
        # A regex route (re_path) that nothing links to and the spec omits: only the
        # DEBUG 404 page lists it, and only a username from the v1 listing fits it.
        re_path(r"^api/v1/users/(?P<username>[a-z][a-z0-9_]{2,30})/$", views_legacy.user_detail,
                name="v1-user-detail"),
        path(".env", views_leaks.dotenv, name="dotenv"),
        path("logs/access.log", views_leaks.access_log, name="access-log"),
    ]

handler400 = "api.handlers.bad_request"
handler403 = "api.handlers.permission_denied"
handler404 = "api.handlers.not_found"
handler500 = "api.handlers.server_error"
