/** A recipient list that cannot be ingested: the reason names the line or field. */
export class IngestError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
