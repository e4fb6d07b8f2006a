// The resources of the workspace group, each served at `/api/v2/w/{workspace_uuid}/<resource>` and below.
// groups.ts builds the group's routes from this list (infra and the local server read those), so it
// stays free of imports: infra evaluates it.
export const WORKSPACE_RESOURCES = ['contacts', 'channels', 'assistants', 'squads', 'tools', 'labels'] as const;
