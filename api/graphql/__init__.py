"""The GraphQL API: schema, per-request context, loaders, errors, pagination, cost limits and the
types of each area of the contract."""
