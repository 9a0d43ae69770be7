// test_run start|stop: the PostgreSQL cluster a ctest run shares (tests/support/test_run.hpp).
#include "tests/support/test_run.hpp"

int main(int argc, char** argv) { return tsunagi::testing::testRunCommand(argc, argv); }
