import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from './schema.js';

// Which chats a caller may see. The policy in core decides a ChatReach for each caller; every query that
// finds, lists or counts chats on a caller's behalf takes one (a required parameter) and applies it here,
// so no query can reach a chat the policy did not allow.

export interface MemberRef {
  memberId: number;
  identityId: string;
}

/** Plain data (it is stored with export jobs), read by chatWithinReach. */
export interface ChatReach {
  workspaceId: string;
  /** Only the chats this member owns, takes part in or is assigned to; null: every chat of the workspace. */
  member: MemberRef | null;
  /** Whether chats owned by anonymous end users are included. */
  anonymous: boolean;
}

/** The chat's owner is an anonymous end user. */
export function ownerIsAnonymous(eb: ExpressionBuilder<Database, 'chats'>): Expression<SqlBool> {
  return eb.exists(
    eb.selectFrom('contacts').select(sql.lit(1).as('one')).whereRef('contacts.identity_id', '=', 'chats.owner_id').where('contacts.is_anonymous', '=', true),
  );
}

/** The chats of `reach`: its workspace's, narrowed to the member's own and without anonymous ones as it says. */
export function chatWithinReach(reach: ChatReach) {
  return (eb: ExpressionBuilder<Database, 'chats'>): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [eb('chats.workspace_id', '=', reach.workspaceId)];
    if (reach.member) {
      const { memberId, identityId } = reach.member;
      conditions.push(
        eb.or([
          eb('chats.owner_id', '=', identityId),
          eb('chats.assigned_member_id', '=', memberId),
          eb.exists(eb.selectFrom('participants').select(sql.lit(1).as('one')).whereRef('participants.chat_id', '=', 'chats.id').where('participants.member_id', '=', memberId)),
        ]),
      );
    }
    if (!reach.anonymous) conditions.push(eb.not(ownerIsAnonymous(eb)));
    return eb.and(conditions);
  };
}
