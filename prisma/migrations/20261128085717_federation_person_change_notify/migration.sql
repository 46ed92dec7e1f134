-- federation-publisher: federation_person_change_notify
-- Written by hand (Prisma's schema language has no triggers): every committed change to a person's
-- federation row or civic number sends NOTIFY federation_person_changed with the identity id. The
-- attribute API keeps an in-memory read model of released attributes and reloads exactly those rows,
-- so an IdP query needs no database round trip. NOTIFY is delivered only after commit, in commit order,
-- and repeated ids within one transaction are folded into one.
CREATE FUNCTION "federation_notify_person_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('federation_person_changed', OLD.identity_id::text);
  ELSE
    PERFORM pg_notify('federation_person_changed', NEW.identity_id::text);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "federation_person_notify_changed"
  AFTER INSERT OR UPDATE OR DELETE ON "federation_person"
  FOR EACH ROW EXECUTE FUNCTION "federation_notify_person_changed"();

CREATE TRIGGER "federation_sensitive_notify_changed"
  AFTER INSERT OR UPDATE OR DELETE ON "federation_sensitive"
  FOR EACH ROW EXECUTE FUNCTION "federation_notify_person_changed"();
