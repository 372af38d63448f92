import type { ServerResponse } from 'node:http';
import type { PydanticIssue } from './contract.validator';
import { PyException, PyTuple, pyRepr } from './pydantic-repr';

/**
 * How the pinned gateway words a 422 (ai_gateway/api/server.py): `{"detail": str(exc.errors())}`
 * when it may log request data (`verbose`), `{"detail": "Validation error"}` otherwise (`terse`).
 */
export type ValidationDetail = 'verbose' | 'terse';

function toPython(issue: PydanticIssue): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: issue.type,
    loc: new PyTuple(issue.loc),
    msg: issue.msg,
    input: issue.input,
  };
  if (issue.ctx) {
    out.ctx =
      issue.valueError !== undefined
        ? { ...issue.ctx, error: new PyException('ValueError', issue.valueError) }
        : issue.ctx;
  }
  return out;
}

/** The body of the gateway's 422 for these issues. */
export function validationErrorBody(
  issues: PydanticIssue[],
  mode: ValidationDetail,
): { detail: string } {
  if (mode === 'terse') return { detail: 'Validation error' };
  return { detail: pyRepr(issues.map(toPython)) };
}

/** FastAPI's issue for a body that is not JSON (`json_invalid` at the error's offset). */
export function jsonInvalidIssue(raw: string, error: string): PydanticIssue {
  const m = /position (\d+)/.exec(error);
  return {
    type: 'json_invalid',
    loc: ['body', m ? Number(m[1]) : 0],
    msg: 'JSON decode error',
    input: {},
    ctx: { error: raw.trim() === '' ? 'Expecting value' : error },
  };
}

/** FastAPI's issue for a required body that was not sent. */
export const MISSING_BODY: PydanticIssue = {
  type: 'missing',
  loc: ['body'],
  msg: 'Field required',
  input: null,
};

/** Starlette's answer to an exception the gateway does not handle. */
export function sendInternalServerError(res: ServerResponse): void {
  res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Internal Server Error');
}
