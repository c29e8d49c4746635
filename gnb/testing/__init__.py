"""What tests share: helpers that prove properties by running them (races on PostgreSQL). Never imported by the
product's own code."""
