from django.core.management import call_command

from project.tests.conftest import run_manage


def test_check_deploy_is_clean_with_production_settings(production_env):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_an_insecure_configuration(production_env):
    """The check is real: turning HSTS off makes it fail."""
    env = {**production_env, "DJANGO_SECURE_HSTS_SECONDS": "0"}

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(production_env):
    env = {k: v for k, v in production_env.items() if k != "DJANGO_SECRET_KEY"}

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_models_and_migrations_are_in_step(db):
    # Raises SystemExit(1) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
