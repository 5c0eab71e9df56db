/** What every module declares to the composition root. */
export interface Module {
  /** Short name; also the owner of its migrations in `provdata_migrations`. */
  name: string;
  /** Folder of numbered SQL migrations, applied in order on every engine. */
  migrations?: URL;
}
