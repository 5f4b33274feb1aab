# YNA integration tests, included from tests/integration/CMakeLists.txt once
# dialtone_integration_test is defined. Real dialtoned against the YNA
# simulator (tests/sim) in a private network namespace.
dialtone_integration_test(yna_link test_yna_link.py)
dialtone_integration_test(yna_channel test_yna_channel.py)
dialtone_integration_test(yna_tokens test_yna_tokens.py)
