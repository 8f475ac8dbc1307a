// Moved to the database store's queries/ (issue 13); the admin is switching to the store port.
export * from "../../queries/list-tasks.js";
