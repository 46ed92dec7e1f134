-- federation-publisher: federation_identifier_never_reassigned
-- Written by hand (Prisma's schema language has no triggers or check constraints): the identifier
-- registry is append-only. A row may be inserted; it may never be updated or deleted, so an
-- eduPersonPrincipalName, eduPersonUniqueId or subject-id handed out once can never move to someone else.
ALTER TABLE "federation_identifier"
  ADD CONSTRAINT "federation_identifier_lower_case"
  CHECK ("edu_person_principal_name" = lower("edu_person_principal_name")
     AND "edu_person_unique_id" = lower("edu_person_unique_id")
     AND "subject_id" = lower("subject_id"));

CREATE FUNCTION "federation_identifier_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'federation_identifier is append-only: identifiers are never reassigned (% refused)', TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER "federation_identifier_no_update_or_delete"
  BEFORE UPDATE OR DELETE ON "federation_identifier"
  FOR EACH ROW EXECUTE FUNCTION "federation_identifier_append_only"();

CREATE TRIGGER "federation_identifier_no_truncate"
  BEFORE TRUNCATE ON "federation_identifier"
  FOR EACH STATEMENT EXECUTE FUNCTION "federation_identifier_append_only"();
