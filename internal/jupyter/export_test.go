package jupyter

// HeadlessEnv is the variable the runner sets, for the external test.
const HeadlessEnv = headlessEnv
