from django.test import TestCase

ADMIN_PASSWORD = "correct-horse-battery-staple"


class ApiTest(TestCase):
    def test_login(self):
        self.client.login(username="admin", password="correct-horse-battery-staple")
