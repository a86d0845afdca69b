import ConsultStore

// issue 18: every role of the store on PostgreSQL; the roles live in the files of their part.
extension PostgresStore: ConsultStorage {}
