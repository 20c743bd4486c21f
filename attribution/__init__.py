"""Pure attribution: findings (networks, advertisers, miners, operators) computed from observations and
signature data."""
