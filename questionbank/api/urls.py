from rest_framework.routers import DefaultRouter

from .views import CompetencyViewSet, KitViewSet, QuestionViewSet, RoleViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# The busiest endpoints first: a request's path is tried against the patterns in this order.
router.register("kits", KitViewSet, basename="kit")
router.register("roles", RoleViewSet, basename="role")
router.register("competencies", CompetencyViewSet, basename="competency")
router.register("questions", QuestionViewSet, basename="question")

urlpatterns = router.urls
