from django_tasks import task


@task()
def purge_api_sign_ins() -> None:
    """Delete ended API sign-ins and their refresh tokens (daily; safe to run twice)."""
    from gnb.accounts.api_tokens import token_purge

    token_purge()
