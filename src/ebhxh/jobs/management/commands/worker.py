"""`ebhxh worker`: the database-queue task worker (django-tasks-db's db_worker, all options)."""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Chạy tiến trình xử lý tác vụ nền (hàng đợi trong cơ sở dữ liệu)."
