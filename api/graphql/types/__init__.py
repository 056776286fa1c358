"""GraphQL types and resolvers, one module per area of the contract."""
