from rest_framework.routers import DefaultRouter

from .views import CompetencyViewSet, KitViewSet, QuestionViewSet, RoleViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("roles", RoleViewSet, basename="role")
router.register("competencies", CompetencyViewSet, basename="competency")
router.register("questions", QuestionViewSet, basename="question")
router.register("kits", KitViewSet, basename="kit")

urlpatterns = router.urls
