-- Flyway runs this after every migrate (also when nothing was pending), so read access is (re)granted once the
-- reader role exists, even when an operator creates it after the first deployment. A missing role only warns.
DO $$
DECLARE
    reader text := '${reader_role}';
BEGIN
    IF reader = '' THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = reader) THEN
        RAISE WARNING 'role % does not exist: dashboards get no read access until it is created', reader;
        RETURN;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), reader);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', current_schema(), reader);
    -- tables that later migrations create (as this same owner role)
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO %I', current_schema(), reader);
END
$$;
